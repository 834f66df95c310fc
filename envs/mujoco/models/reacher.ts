/**
 * MJCF of Reacher-v5: a two-link arm in the horizontal plane and a target on two slides.
 *
 * Physical parameters are those of Gymnasium's `reacher.xml`: RK4 at 10 ms; links are capsules of radius 0.01
 * and length 0.1 (density 1000), the fingertip a sphere of radius 0.01 at 0.11 along the second link; joint
 * armature and damping 1; the shoulder unlimited, the elbow on ±3 rad; motors of gear 200 on [−1, 1]; the
 * target (radius 0.009) on x/y slides limited to ±0.27 with no armature or damping; four arena walls at ±0.3.
 * Contacts are those of the reference (the links may touch the walls). Angles in radians.
 */
export const REACHER_XML = `
<mujoco model="varl-reacher">
  <compiler angle="radian" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4" gravity="0 0 -9.81"/>
  <default>
    <joint limited="true" armature="1" damping="1"/>
    <geom contype="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
    <default class="wall">
      <geom type="capsule" conaffinity="0" size="0.02" rgba="0.9 0.4 0.6 1"/>
    </default>
  </default>
  <worldbody>
    <geom name="ground" type="plane" pos="0 0 0" size="1 1 10" conaffinity="0" contype="0" rgba="0.9 0.9 0.9 1"/>
    <geom name="sideS" class="wall" fromto="-.3 -.3 .01 .3 -.3 .01"/>
    <geom name="sideE" class="wall" fromto=" .3 -.3 .01 .3  .3 .01"/>
    <geom name="sideN" class="wall" fromto="-.3  .3 .01 .3  .3 .01"/>
    <geom name="sideW" class="wall" fromto="-.3 -.3 .01 -.3 .3 .01"/>
    <geom name="root" type="cylinder" fromto="0 0 0 0 0 0.02" size="0.011" conaffinity="0" contype="0" rgba="0.9 0.4 0.6 1"/>
    <body name="body0" pos="0 0 0.01">
      <geom name="link0" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
      <joint name="joint0" type="hinge" axis="0 0 1" pos="0 0 0" limited="false"/>
      <body name="body1" pos="0.1 0 0">
        <joint name="joint1" type="hinge" axis="0 0 1" pos="0 0 0" limited="true" range="-3.0 3.0"/>
        <geom name="link1" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
        <body name="fingertip" pos="0.11 0 0">
          <geom name="fingertip" type="sphere" pos="0 0 0" size="0.01" contype="0" rgba="0 0.8 0.6 1"/>
        </body>
      </body>
    </body>
    <body name="target" pos="0.1 -0.1 0.01">
      <joint name="target_x" type="slide" axis="1 0 0" pos="0 0 0" range="-.27 .27" ref=".1" armature="0" damping="0" stiffness="0"/>
      <joint name="target_y" type="slide" axis="0 1 0" pos="0 0 0" range="-.27 .27" ref="-.1" armature="0" damping="0" stiffness="0"/>
      <geom name="target" type="sphere" pos="0 0 0" size="0.009" conaffinity="0" contype="0" rgba="0.9 0.2 0.2 1"/>
    </body>
  </worldbody>
  <actuator>
    <motor joint="joint0" ctrllimited="true" ctrlrange="-1 1" gear="200.0"/>
    <motor joint="joint1" ctrllimited="true" ctrlrange="-1 1" gear="200.0"/>
  </actuator>
</mujoco>
`;
