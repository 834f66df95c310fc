/**
 * MJCF of Walker2d-v5: a planar biped (torso and two legs of thigh, leg and foot) on six motors.
 *
 * Physical parameters are those of Gymnasium's `walker2d_v5.xml`: RK4 at 2 ms; capsules of density 1000;
 * joint armature 0.01 and damping 0.1 on the leg joints, none on the root joints; motors of gear 100 on
 * [−1, 1]; friction 0.9 on the body and 1.9 on both feet (v5; v4's right foot had 0.9), floor friction 0.7,
 * condim 3. The z slide has `ref = 1.25`. Lengths keep the reference's float literals, so the compiled model
 * is the same to the last bit. Visual-only elements are left out.
 */
const leg = (suffix: string, rgba: string) => `
      <body name="thigh${suffix}" pos="0 0 -0.19999999999999996">
        <joint name="thigh${suffix}_joint" type="hinge" axis="0 -1 0" pos="0 0 0" range="-150 0"/>
        <geom name="thigh${suffix}_geom" pos="0 0 -0.22500000000000009" size="0.050000000000000003 0.22500000000000003" friction="0.9" rgba="${rgba}"/>
        <body name="leg${suffix}" pos="0 0 -0.70000000000000007">
          <joint name="leg${suffix}_joint" type="hinge" axis="0 -1 0" pos="0 0 0.25" range="-150 0"/>
          <geom name="leg${suffix}_geom" size="0.040000000000000001 0.25" friction="0.9" rgba="${rgba}"/>
          <body name="foot${suffix}" pos="0.20000000000000001 0 -0.34999999999999998">
            <joint name="foot${suffix}_joint" type="hinge" axis="0 -1 0" pos="-0.20000000000000001 0 0.10000000000000001" range="-45 45"/>
            <geom name="foot${suffix}_geom" pos="-0.10000000000000001 0 0.10000000000000001" quat="0.70710678118654757 0 -0.70710678118654746 0" size="0.059999999999999998 0.10000000000000001" friction="1.9" rgba="${rgba}"/>
          </body>
        </body>
      </body>`;

export const WALKER2D_XML = `
<mujoco model="varl-walker2d">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.002" integrator="RK4"/>
  <default>
    <joint limited="true" armature="0.01" damping="0.1"/>
    <geom type="capsule" contype="1" conaffinity="0" condim="3" density="1000" friction="0.7 0.1 0.1" rgba="0.85 0.55 0.35 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="100"/>
    <default class="root">
      <joint limited="false" armature="0" damping="0" stiffness="0"/>
    </default>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="40 40 40" conaffinity="1" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 1.25">
      <joint name="rootx" class="root" type="slide" axis="1 0 0" pos="0 0 -1.25"/>
      <joint name="rootz" class="root" type="slide" axis="0 0 1" pos="0 0 -1.25" ref="1.25"/>
      <joint name="rooty" class="root" type="hinge" axis="0 1 0" pos="0 0 0"/>
      <geom name="torso_geom" size="0.050000000000000003 0.19999999999999996" friction="0.9"/>${leg('', '0.85 0.55 0.35 1')}${leg('_left', '0.6 0.3 0.55 1')}
    </body>
  </worldbody>
  <actuator>
    <motor name="thigh" joint="thigh_joint"/>
    <motor name="leg" joint="leg_joint"/>
    <motor name="foot" joint="foot_joint"/>
    <motor name="thigh_left" joint="thigh_left_joint"/>
    <motor name="leg_left" joint="leg_left_joint"/>
    <motor name="foot_left" joint="foot_left_joint"/>
  </actuator>
</mujoco>
`;
